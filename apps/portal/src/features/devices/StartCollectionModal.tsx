import { useMutation } from '@apollo/client/react';
import { App, Form, Input, Modal, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { graphql } from '../../gql';

const StartCollection = graphql(`
  mutation PortalStartCollection($input: StartCollectionInput!) {
    startCollection(input: $input) {
      id
      status
    }
  }
`);

interface Values {
  site: string;
  commands: string;
}

/** Starts a collection of every device of a site, then opens the run's page to watch it. */
export default function StartCollectionModal(props: {
  sites: string[];
  defaultSite?: string;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const [start, { loading }] = useMutation(StartCollection);
  const submit = async (values: Values) => {
    const commands = values.commands
      .split('\n')
      .map((c) => c.trim())
      .filter(Boolean);
    try {
      const result = await start({ variables: { input: { selector: { site: values.site }, commands } } });
      void message.success(t('devices.collectStarted'));
      props.onClose();
      if (result.data) void navigate(`/runs/${result.data.startCollection.id}`);
    } catch (error) {
      void message.error((error as Error).message);
    }
  };
  return (
    <Modal
      open
      title={t('devices.collectTitle')}
      okText={t('devices.collectStart')}
      cancelText={t('common.cancel')}
      confirmLoading={loading}
      onOk={() => form.submit()}
      onCancel={props.onClose}
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={{ site: props.defaultSite ?? props.sites[0], commands: 'show version' }}
        onFinish={submit}
      >
        <Form.Item
          label={t('devices.collectSite')}
          name="site"
          rules={[{ required: true, message: t('devices.collectSiteRequired') }]}
        >
          <Select options={props.sites.map((s) => ({ value: s, label: s }))} />
        </Form.Item>
        <Form.Item
          label={t('devices.collectCommands')}
          name="commands"
          rules={[
            {
              validator: (_, value: string | undefined) =>
                value && value.trim()
                  ? Promise.resolve()
                  : Promise.reject(new Error(t('devices.collectCommandsRequired'))),
            },
          ]}
        >
          <Input.TextArea rows={4} style={{ fontFamily: 'monospace' }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
